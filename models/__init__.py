"""Models shipped with reviewcli; installed as the package `reviewcli.bundled`."""
