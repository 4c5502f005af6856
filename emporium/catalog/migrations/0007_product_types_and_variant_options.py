"""Product types declare typed attributes; variants carry their options (colour, size)."""

import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

import emporium.catalog.models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_productimage_thumbnails_ready"),
    ]

    operations = [
        migrations.CreateModel(
            name="Attribute",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(help_text="The key in stored values and URLs.", unique=True)),
                ("name", models.CharField(max_length=80)),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("text", "Text"),
                            ("choice", "Choice (from a list)"),
                            ("number", "Number (with a unit)"),
                            ("boolean", "Yes or no"),
                            ("colour", "Colour (swatch and name)"),
                        ],
                        default="text",
                        max_length=10,
                    ),
                ),
                (
                    "unit",
                    models.CharField(blank=True, help_text="Numbers only, e.g. 'cm' or 'g'.", max_length=20),
                ),
            ],
            options={
                "ordering": ["name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="AttributeValue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(help_text="What is stored and what the URL carries.")),
                ("name", models.CharField(max_length=80)),
                (
                    "hex",
                    models.CharField(
                        blank=True,
                        max_length=7,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^#[0-9a-fA-F]{6}$", "A colour is # and six hex digits, e.g. #c0392b."
                            )
                        ],
                        verbose_name="colour",
                    ),
                ),
                ("position", models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                "ordering": ["position", "pk"],
            },
        ),
        migrations.CreateModel(
            name="ProductType",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=80, unique=True)),
                ("slug", models.SlugField(max_length=80, unique=True)),
            ],
            options={
                "ordering": ["name", "pk"],
            },
        ),
        migrations.CreateModel(
            name="ProductTypeAttribute",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "defines_variants",
                    models.BooleanField(
                        default=False,
                        help_text="Each variant has its own value (colour, size); else one per product.",
                    ),
                ),
                ("is_required", models.BooleanField(default=False)),
                ("position", models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                "ordering": ["position", "pk"],
            },
        ),
        migrations.AddField(
            model_name="variant",
            name="options",
            field=models.JSONField(
                blank=True, default=dict, validators=[emporium.catalog.models.validate_no_null_characters]
            ),
        ),
        migrations.AddConstraint(
            model_name="variant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("options", {}), _negated=True),
                fields=("product", "options"),
                name="variant_options_unique_per_product",
            ),
        ),
        migrations.AddField(
            model_name="attributevalue",
            name="attribute",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="values", to="catalog.attribute"
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="product_type",
            field=models.ForeignKey(
                blank=True,
                help_text="Declares the attributes and what the variants differ by; none keeps them free-form.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="products",
                to="catalog.producttype",
            ),
        ),
        migrations.AddField(
            model_name="producttypeattribute",
            name="attribute",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="type_uses", to="catalog.attribute"
            ),
        ),
        migrations.AddField(
            model_name="producttypeattribute",
            name="product_type",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="type_attributes",
                to="catalog.producttype",
            ),
        ),
        migrations.AddConstraint(
            model_name="attributevalue",
            constraint=models.UniqueConstraint(
                fields=("attribute", "code"), name="attribute_value_code_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="producttypeattribute",
            constraint=models.UniqueConstraint(
                fields=("product_type", "attribute"), name="product_type_attribute_unique"
            ),
        ),
    ]
