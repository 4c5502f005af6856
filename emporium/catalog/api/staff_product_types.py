"""Staff catalog API: product types and the attributes they declare, read-only.

What a client needs to write typed products through the staff product and variant endpoints:
each type's product-level attributes (``Product.attributes``) and variant-defining ones
(``Variant.options``), with their kind, unit and allowed values. Types are edited in the
admin; the writes check values against them (``emporium.catalog.attributes``).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from emporium.accounts.api.permissions import CanReadProductTypes
from emporium.catalog.models import AttributeValue, ProductType, ProductTypeAttribute


class StaffAttributeValueOutput(serializers.ModelSerializer[AttributeValue]):
    class Meta:
        model = AttributeValue
        fields = ("code", "name", "hex")


class StaffTypeAttributeOutput(serializers.ModelSerializer[ProductTypeAttribute]):
    code = serializers.CharField(source="attribute.code")
    name = serializers.CharField(source="attribute.name")
    kind = serializers.CharField(source="attribute.kind")
    unit = serializers.CharField(source="attribute.unit")
    values = StaffAttributeValueOutput(source="attribute.values", many=True)

    class Meta:
        model = ProductTypeAttribute
        fields = ("code", "name", "kind", "unit", "defines_variants", "is_required", "values")


class StaffProductTypeOutput(serializers.ModelSerializer[ProductType]):
    attributes = StaffTypeAttributeOutput(source="type_attributes", many=True)

    class Meta:
        model = ProductType
        fields = ("id", "slug", "name", "attributes")


def _product_types() -> QuerySet[ProductType]:
    """Types with their attributes and allowed values: three queries however many there are."""
    return ProductType.objects.order_by("name", "pk").prefetch_related(
        Prefetch(
            "type_attributes",
            ProductTypeAttribute.objects.select_related("attribute").prefetch_related(
                Prefetch("attribute__values", AttributeValue.objects.order_by("position", "pk"))
            ),
        )
    )


class StaffProductTypeListApi(APIView):
    permission_classes = (CanReadProductTypes,)

    @extend_schema(
        operation_id="staff_product_types_list",
        responses={200: StaffProductTypeOutput(many=True)},
        tags=["staff"],
    )
    def get(self, request: Request) -> Response:
        """Every product type with its attributes, by name (a shop has a few dozen at most)."""
        return Response(StaffProductTypeOutput(_product_types(), many=True).data)


class StaffProductTypeDetailApi(APIView):
    permission_classes = (CanReadProductTypes,)

    @extend_schema(
        operation_id="staff_product_types_retrieve", responses={200: StaffProductTypeOutput}, tags=["staff"]
    )
    def get(self, request: Request, slug: str) -> Response:
        return Response(StaffProductTypeOutput(get_object_or_404(_product_types(), slug=slug)).data)
