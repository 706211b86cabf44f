"""Display windows: presets for the visit shown (buttons and number keys), each visit's
window kept with the read and restored when its series is opened again; a visit opened for
the first time takes the window in use."""

from __future__ import annotations

from functools import partial
from typing import Any

from qtpy.QtCore import QTimer
from qtpy.QtWidgets import QHBoxLayout, QPushButton, QWidget

from recist_reader._qt.reading_context import ReadingContext
from recist_reader._qt.reading_view import ReadingView
from recist_reader._qt.visit_layers import VisitLayers
from recist_reader.reading import ReadingError

#: (preset name in the series' ``window_presets``, button label, key).
WINDOW_PRESETS = (
    ("lung", "Lung", "1"),
    ("soft tissue", "Mediastinum", "2"),
    ("liver", "Liver", "3"),
    ("bone", "Bone", "4"),
    ("brain", "Brain", "5"),
)
#: A window change (preset or contrast slider) is kept this long after it stops.
KEEP_DELAY_MS = 400


class WindowPresetsView(ReadingView):
    """A button per preset; keys 1–5 over the image do the same. The compare view links
    the compared visit's window to the current one's."""

    def __init__(self, context: ReadingContext, parent: QWidget | None = None):
        super().__init__(context, parent)
        self.buttons: dict[str, QPushButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for name, label, key in WINDOW_PRESETS:
            button = QPushButton(f"{label} {key}")
            button.setToolTip(f"{label} window (key {key} over the image)")
            button.clicked.connect(lambda _=False, name=name: self.guard(self.apply, name))
            layout.addWidget(button)
            self.buttons[name] = button
            context.viewer.bind_key(key, partial(self._on_key, name), overwrite=True)
        self._connected: set[int] = set()
        self._changed_visits: set[str] = set()
        self._keep_timer = QTimer(self)
        self._keep_timer.setSingleShot(True)
        self._keep_timer.setInterval(KEEP_DELAY_MS)
        self._keep_timer.timeout.connect(self.keep_windows)
        context.layers_changed.connect(self._on_layers_changed)

    def apply(self, name: str) -> None:
        """Show the visit on screen with the preset window ``name``."""
        layers = self.context.require_visit_layers()
        presets = layers.image.metadata.get("window_presets") or {}
        if name not in presets:
            raise ReadingError(f"no {name} window for this {layers.image.metadata['modality']}")
        centre, width = presets[name]
        layers.image.contrast_limits = (centre - width / 2, centre + width / 2)
        self.keep_windows()  # now, not after the slider's pause: a save may follow at once
        self.show_message(f"{name} window: centre {centre:g}, width {width:g}")

    def refresh(self) -> None:
        layers = self.context.visit_layers.get(self.context.current_visit_id or "")
        presets = (layers.image.metadata.get("window_presets") or {}) if layers else {}
        for name, button in self.buttons.items():
            button.setEnabled(name in presets)

    def _on_key(self, name: str, *_: Any) -> None:
        self.guard(self.apply, name)

    # ------------------------------------------------------------------ kept with the read
    def _on_layers_changed(self) -> None:
        session = self.context.session
        for visit_id, layers in self.context.visit_layers.items():
            if id(layers.image) in self._connected:
                continue
            self._connected.add(id(layers.image))
            for layer in layers.all():  # napari's digit keys on these layers are ours
                for _, _, key in WINDOW_PRESETS:
                    layer.bind_key(key, self._layer_key_handler(key), overwrite=True)
            kept = _kept_window(session.visit(visit_id), layers) if session else None
            shown = self.context.visit_layers.get(self.context.current_visit_id or "")
            if kept is not None:
                centre, width = kept
                layers.image.contrast_limits = (centre - width / 2, centre + width / 2)
            elif shown is not None and shown is not layers:  # a new visit: the window in use
                layers.image.contrast_limits = tuple(shown.image.contrast_limits)
            layers.image.events.contrast_limits.connect(partial(self._on_window_changed, visit_id))

    def _layer_key_handler(self, key: str) -> Any:
        name = next(n for n, _, k in WINDOW_PRESETS if k == key)
        return lambda layer: self._on_key(name)

    def _on_window_changed(self, visit_id: str, *_: Any) -> None:
        self._changed_visits.add(visit_id)
        self._keep_timer.start()

    def keep_windows(self) -> None:
        """Write each changed visit's window into the record (its series entry)."""
        session = self.context.session
        changed, self._changed_visits = self._changed_visits, set()
        if session is None:
            return
        for visit_id in changed:
            layers = self.context.visit_layers.get(visit_id)
            if layers is None:
                continue
            low, high = (float(v) for v in layers.image.contrast_limits)
            self.guard(
                session.update_series,
                visit_id,
                layers.series_uid,
                window_center=round((low + high) / 2, 2),
                window_width=round(high - low, 2),
                background=True,
            )


def _kept_window(visit: dict[str, Any], layers: VisitLayers) -> tuple[float, float] | None:
    """The window the record keeps for the visit's open series, if any."""
    for entry in visit.get("series") or []:
        if entry.get("series_uid") == layers.series_uid and entry.get("window_width"):
            return float(entry["window_center"]), float(entry["window_width"])
    return None
