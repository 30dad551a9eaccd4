from django_filters import rest_framework as filters
from rest_framework import serializers, viewsets

from .models import Level, Region


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "is_official", "is_invented"]


class RegionFilter(filters.FilterSet):
    level = filters.ChoiceFilter(choices=Level.choices)
    parent = filters.CharFilter(field_name="parent__code", label="上级区划代码")
    within = filters.CharFilter(method="filter_within", label="该区划代码及其下级")

    class Meta:
        model = Region
        fields = ["level", "parent", "within"]

    def filter_within(self, qs, name, value):
        region = Region.objects.filter(code=value).first()
        return qs.within(region) if region else qs.none()


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The administrative division tree (public reference data, the same for every user)."""

    queryset = Region.objects.select_related("parent")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    ordering_fields = ["code", "name", "path"]
