# What src/report shows: chunk views, ledgers, the pictures' axes.

chunks-boundary-inside = ← { $n } message boundary inside
chunks-boundaries-inside = ← { $n } message boundaries inside
chunks-nothing = { $label }: nothing received
ledger-summary = { $sent } sent → { $intact } intact, { $split } split, { $merged } merged, { $lost } lost ({ $reads } reads{ $corrupted })
ledger-corrupted = , bytes CORRUPTED
delivery-summary = { $sent } sent → { $intact } intact, { $corrupted } corrupted, { $lost } lost, { $extra } extra
svg-bytes-axis = { $n } bytes — dashed red: the sender's message boundaries
svg-bytes-plain = { $n } bytes
svg-zoom-title = zoom: the first { $n } bytes of the same stream
svg-zoom-axis = { $n } bytes (zoomed)
svg-ms-axis = milliseconds since the first write
