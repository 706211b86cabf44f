"""Qt and napari pieces of the reading widget: its layout and its per-visit layers."""
