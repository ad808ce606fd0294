"""API routes of training: core (included by training/api/urls.py).

URL names ``training-course-list``, ``training-requirement-deactivate``, ``training-assignment-withdraw``, …
"""

from rest_framework.routers import SimpleRouter

from .views import (
    AssignmentViewSet,
    CourseMaterialViewSet,
    CourseViewSet,
    CurriculumViewSet,
    TrainingRecordViewSet,
    TrainingRequirementViewSet,
)

router = SimpleRouter()
router.register("courses", CourseViewSet, basename="training-course")
router.register("materials", CourseMaterialViewSet, basename="training-material")
router.register("curricula", CurriculumViewSet, basename="training-curriculum")
router.register("requirements", TrainingRequirementViewSet, basename="training-requirement")
router.register("assignments", AssignmentViewSet, basename="training-assignment")
router.register("records", TrainingRecordViewSet, basename="training-record")

urlpatterns = router.urls
