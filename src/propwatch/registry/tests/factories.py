import datetime

import factory

from propwatch.regions.models import Region
from propwatch.registry import credit_code
from propwatch.registry.models import Company, Project


def community(code: str = "420502001001") -> Region:
    """A community of the loaded territory (the `yichang` fixture loads it)."""
    return Region.objects.get(code=code)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    name = factory.Sequence(lambda n: f"测试物业服务有限公司{n:04d}")
    credit_code = factory.Sequence(lambda n: credit_code.make("91420502", f"T{n:08d}"))
    legal_representative = "张三"
    contact_phone = "13812341234"
    region = factory.LazyFunction(lambda: Region.objects.get(code="420502"))


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"T-{n:06d}")
    name = factory.Sequence(lambda n: f"测试花园{n}期")
    address = "宜昌市西陵区测试路 1 号"
    community = factory.LazyFunction(community)
    company = factory.SubFactory(CompanyFactory)
    contract_start = datetime.date(2020, 1, 1)
    contract_end = datetime.date(2030, 12, 31)
    households = 300
