"""The shared primitives every programme module reuses.

Programmes, the volunteer journey (application, interview, background check,
training, approval, pause, end), intake of participants, and matching. Rules
live in plain service functions (`volunteers`, `screening`, `training`,
`intake`, `matching`) over an explicit session; `api` only translates HTTP.
"""
