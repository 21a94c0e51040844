"""Everything the toolkit writes: blank templates, the JSON report, terminal summaries, and (in
their own modules) feedback workbooks, merged import files, the HTML/Excel reports and owner-only
table workbooks (:mod:`.tables`)."""
