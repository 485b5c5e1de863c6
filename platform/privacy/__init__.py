"""Data protection: data subjects' rights, retention, privacy notices, tenant export and exit.

- `subjects`: where one person's data is, found by walking `Base.metadata`
  (core and module tables alike, without importing any module by name).
- `rights`: the request log, a person's export, rectification and erasure.
- `retention`: per-tenant retention periods and the daily clean-up.
- `notice`: the privacy notice (tietosuojaseloste) in fi/sv/en.
- `tenant_export`: a tenant's whole archive, its import, closing and deletion.
"""
