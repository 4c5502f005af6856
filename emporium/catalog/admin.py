import json

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpRequest, HttpResponse
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from emporium.catalog.images import reencode_uploaded_image
from emporium.catalog.models import (
    Attribute,
    AttributeValue,
    Category,
    Product,
    ProductImage,
    ProductType,
    ProductTypeAttribute,
    Variant,
)


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    form = movenodeform_factory(Category)
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def children_view(self, request: HttpRequest, parent_id: str) -> HttpResponse:
        """treebeard filters by the id as typed: ``children/abc/`` was a 500 (the access walk)."""
        if not self.has_view_permission(request):
            raise PermissionDenied  # first, as treebeard asks: a 404 would tell who may look
        if not parent_id.isdigit():
            raise Http404("No such category.")
        return super().children_view(request, parent_id)


class VariantInlineFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """Two rows with the same options: each variant's own check cannot see rows not saved
        yet, and the database would refuse the second with an error page."""
        super().clean()
        seen: dict[str, str] = {}
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE") or form.errors:
                continue
            options = form.instance.options
            if not options:
                continue
            key = json.dumps(options, sort_keys=True)
            if key in seen:
                form.add_error("options", f"Variant {seen[key]} already has these options.")
            else:
                seen[key] = form.instance.sku


class VariantInline(admin.TabularInline):
    model = Variant
    formset = VariantInlineFormSet
    extra = 0
    fields = (
        "sku", "name", "price_amount", "currency", "compare_at_amount",
        "stock_on_hand", "stock_allocated", "weight_grams", "position", "options",
    )  # fmt: skip
    readonly_fields = ("stock_allocated",)


class ProductImageForm(forms.ModelForm[ProductImage]):
    class Meta:
        model = ProductImage
        fields = ("image", "alt_text", "position")

    def clean_image(self) -> File | None:
        """A new upload is stored re-encoded (catalog.images); the picture already saved stays."""
        image = self.cleaned_data.get("image")
        if isinstance(image, UploadedFile):
            return reencode_uploaded_image(image, name=image.name or "image")
        return image


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 0
    fields = ("image", "alt_text", "position")


class InStockFilter(admin.SimpleListFilter):
    title = "stock"
    parameter_name = "stock"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Product]) -> list[tuple[str, str]]:
        return [("in", "In stock"), ("out", "Out of stock")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Product]) -> QuerySet[Product]:
        if self.value() in ("in", "out"):
            return queryset.filter(is_in_stock=self.value() == "in")
        return queryset


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    list_display = (
        "name",
        "category",
        "price_amount",
        "is_in_stock",
        "units_sold",
        "is_published",
        "updated_at",
    )
    list_filter = ("is_published", InStockFilter, "product_type", "category")
    list_editable = ("is_published",)
    list_select_related = ("category",)
    search_fields = ("name", "slug", "variants__sku")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("category",)
    readonly_fields = ("price_amount", "currency", "is_in_stock", "units_sold", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "slug",
                    "category",
                    "product_type",
                    "description",
                    "attributes",
                    "is_published",
                ),
                "description": "With a product type, the attributes are checked against it when saved, "
                "and each variant's options name its value of the type's variant-defining attributes, "
                'e.g. {"colour": "red", "size": "m"}.',
            },
        ),
        ("Search engines", {"fields": ("seo_title", "seo_description"), "classes": ("collapse",)}),
        ("Summary", {"fields": readonly_fields}),
    )
    inlines = (VariantInline, ProductImageInline)
    show_full_result_count = False  # COUNT(*) over a large catalog on every page is wasted work


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin[Variant]):
    list_display = ("sku", "product", "name", "price_amount", "currency", "stock_on_hand", "stock_allocated")
    list_select_related = ("product",)
    search_fields = ("sku", "product__name")
    autocomplete_fields = ("product",)
    show_full_result_count = False


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    extra = 0
    fields = ("code", "name", "hex", "position")
    prepopulated_fields = {"code": ("name",)}


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin[Attribute]):
    """Attributes and, for choices and colours, their allowed values (colours with a swatch)."""

    list_display = ("name", "code", "kind", "unit")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}
    inlines = (AttributeValueInline,)


class ProductTypeAttributeInline(admin.TabularInline):
    model = ProductTypeAttribute
    extra = 0
    fields = ("attribute", "defines_variants", "is_required", "position")
    autocomplete_fields = ("attribute",)


@admin.register(ProductType)
class ProductTypeAdmin(admin.ModelAdmin[ProductType]):
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (ProductTypeAttributeInline,)
