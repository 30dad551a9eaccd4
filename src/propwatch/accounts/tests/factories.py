import factory

from propwatch.accounts.choices import DepartmentKind, Role
from propwatch.accounts.models import Department, User
from propwatch.regions.models import Region


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"测试部门{n}")
    kind = DepartmentKind.HOUSING
    region = factory.LazyFunction(lambda: Region.objects.get(code="420502"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    department = factory.SubFactory(DepartmentFactory)
    role = Role.STAFF
    password = factory.PostGenerationMethodCall("set_password", "Test-pass-2026")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def officer(code: str, kind: str, role: str = Role.STAFF, name: str = "", **kwargs) -> User:
    """A user of a department of `kind` at the region with `code`."""
    region = Region.objects.get(code=code)
    dept = DepartmentFactory(kind=kind, region=region, name=name or f"{region.name}{kind}")
    return UserFactory(department=dept, role=role, **kwargs)
