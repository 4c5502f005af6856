from celery import shared_task

from emporium.recommendations.services import train_recommendations


@shared_task
def train_recommendations_task() -> dict[str, float | int]:
    # Nothing to retry on failure: the active model keeps serving until the next night's run.
    return train_recommendations().as_dict()
