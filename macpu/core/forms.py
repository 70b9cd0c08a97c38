"""GOV.UK Design System rendering for ordinary Django forms.

Every field renders through one template (core/field.html) that picks the GOV.UK markup for its widget:
label, hint, error message, and the input, textarea, select, radios, checkboxes or date input classes.
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "core/form.html"
    field_template_name = "core/field.html"
