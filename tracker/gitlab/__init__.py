"""The boundary to GitLab: typed records (:mod:`.model`) and the one client (:mod:`.client`).

Nothing below this package imports it; the sync engine and the doctor reach GitLab only
through it, and only :mod:`.client` imports python-gitlab.
"""
