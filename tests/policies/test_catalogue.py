"""Every label a city policy declares is listed for translation and translated to English."""

from django.utils import translation

from policies import catalogue
from policies.labels import declared_labels

# Names that stay as written in English (cities and provinces are names, not labels).
NAMES = {"杭州", "沈阳", "益阳", "贵阳", "连云港", "江苏省", "浙江省", "湖南省", "贵州省", "辽宁省"}


def test_catalogue_lists_every_declared_label():
    missing = sorted(declared_labels() - set(catalogue.LABELS))
    assert not missing, f"run tools/policy_catalogue.py: {missing[:10]}"


def test_every_declared_label_has_an_english_translation():
    with translation.override("en"):
        untranslated = sorted(
            label for label in declared_labels() - NAMES if translation.gettext(label) == label
        )
    assert not untranslated, untranslated[:20]
