from rest_framework import serializers, viewsets

from propwatch.web.api_permissions import ActionPermission

from .models import Department
from .permissions import Action


class DepartmentSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "kind", "region", "region_name", "company", "is_active"]


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer
    permission_classes = [ActionPermission]
    actions_by_method = {"GET": Action.VIEW_REGISTRY}
    filterset_fields = ["kind"]
    ordering_fields = ["name", "kind"]

    def get_queryset(self):
        return Department.objects.visible_to(self.request.user).select_related("region")
