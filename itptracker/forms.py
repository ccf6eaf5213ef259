"""How form fields render: through Jinja2, with our own field group on top of Django's.

The dashboard's quick-add boxes render 16 radio buttons and 7 field groups on every view.
Through the Django template engine that took about 6 ms of the page's 9 ms (each widget is
several nested templates); Jinja2 compiles the same templates to Python and takes half as
long. Django ships Jinja2 versions of all its form templates; we override only the field
group, in templates/jinja2/.
"""

from pathlib import Path

import django.forms
from django.conf import settings
from django.forms.renderers import BaseRenderer, EngineMixin
from django.template.backends.jinja2 import Jinja2
from django.utils.functional import cached_property


class FormRenderer(EngineMixin, BaseRenderer):
    backend = Jinja2

    @cached_property
    def engine(self):
        return self.backend(
            {
                "APP_DIRS": False,
                "DIRS": [
                    settings.BASE_DIR / "templates" / "jinja2",
                    Path(django.forms.__file__).parent / "jinja2",
                ],
                "NAME": "forms",
                "OPTIONS": {},
            }
        )
