"""Pure core of recist-reader: the rule engine and the record model. No Qt, no napari."""
