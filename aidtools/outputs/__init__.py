"""Everything the toolkit writes: blank templates, the JSON report, terminal summaries, and (in
their own modules) feedback workbooks, merged import files and the HTML/Excel reports."""
