"""Qt and napari pieces of the reading dock (`recist_reader._widget.ReadingWidget`).

One concern per file: the shared context (`reading_context`), the view base class
(`reading_view`), one view per panel (`record_bar`, `visit_list`, `compare_view`,
`lesion_table`, `lesion_actions`, `new_lesions_view`, `response_panel`, `messages`), the
controllers of the visits' layers (`visit_series`, `ruler_controller`, `measure_from_click`,
`navigation`, `visit_layers`) and small Qt helpers (`qt_helpers`).
"""
