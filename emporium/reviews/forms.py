from __future__ import annotations

from django import forms

from emporium.reviews.models import MAX_RATING, MIN_RATING
from emporium.reviews.selectors import ReviewSort

RATING_CHOICES = [
    (value, f"{value} star{'s' if value > 1 else ''}") for value in range(MAX_RATING, MIN_RATING - 1, -1)
]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=RATING_CHOICES, coerce=int, widget=forms.RadioSelect, label="Your rating"
    )
    title = forms.CharField(max_length=120, required=False, label="Title")
    body = forms.CharField(
        max_length=5000, widget=forms.Textarea(attrs={"rows": 6}), label="Your review", strip=True
    )


class ReviewListForm(forms.Form):
    """The listing's sort and page, from the query string; anything odd falls back to the first page."""

    sort = forms.ChoiceField(choices=[(sort.value, sort.value) for sort in ReviewSort], required=False)
    page = forms.IntegerField(min_value=1, max_value=10_000, required=False)

    @property
    def chosen_sort(self) -> ReviewSort:
        return (
            ReviewSort(self.cleaned_data.get("sort") or ReviewSort.HELPFUL)
            if self.is_valid()
            else ReviewSort.HELPFUL
        )

    @property
    def chosen_page(self) -> int:
        return (self.cleaned_data.get("page") or 1) if self.is_valid() else 1
