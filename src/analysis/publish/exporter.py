"""The reports' nbconvert exporters: HTML with the report template (templates/report), input cells
and prompts hidden, one per thread so its templates are compiled once; and Word (`report_docx`)
from the document model every cell carries beside its HTML."""

from __future__ import annotations

import threading

from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.exporters import Exporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets import default

from analysis.config import TEMPLATES_DIR
from analysis.report.docx import MIME, render_docx
from analysis.report.model import blocks_of


class ReportExporter(HTMLExporter):
    """nbconvert's HTMLExporter without its BeautifulSoup pass over the finished page. That pass
    gives <img> tags without alt text a placeholder and makes `jp-Cell` wrappers focusable; the report template has no such wrappers and every
    image carries its alt text, so the pass changed nothing while re-parsing every page (two
    thirds of the export time)."""

    def from_notebook_node(self, nb, resources=None, **kw):
        lang = nb.metadata.get("language_info", {})
        lexer = lang.get("pygments_lexer", lang.get("name"))
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", self.filters.get("highlight_code",
                                                                 Highlight2HTML(pygments_lexer=lexer, parent=self)))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


_local = threading.local()


def exporter() -> ReportExporter:
    """This thread's exporter: its templates compile once, and renderers side by side in one
    process's threads never share one (an export registers filters on its exporter)."""
    if not hasattr(_local, "exporter"):
        _local.exporter = ReportExporter(template_name="report", extra_template_basedirs=[str(TEMPLATES_DIR)],
                                         exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    return _local.exporter


class WordExporter(Exporter):
    """nbconvert exporter `report_docx`: the report's blocks (the JSON each cell displayed) as a
    公文-style Word file (`report.docx`). Registered through nbconvert's exporter entry point, so
    `jupyter nbconvert --to report_docx executed.ipynb` writes executed.docx."""

    export_from_notebook = "公文 Word"
    output_mimetype = MIME

    @default("file_extension")
    def _file_extension_default(self):
        return ".docx"

    def from_notebook_node(self, nb, resources=None, **kw):
        nb, resources = super().from_notebook_node(nb, resources, **kw)
        return render_docx(blocks_of(nb)), resources
