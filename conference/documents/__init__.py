"""Congress documents: uploads with versions, who may read them, the read log, comments."""
