"""Run tasks on the controller inside a Linux network namespace (`ip netns exec`).

Used for hosts of the virtual lab that have no shell account of their own (a service in a site's namespace, the
cloud namespace): files are the controller's files, the network is the namespace's. Needs root.
"""

from __future__ import annotations

import shlex

from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = """
name: ezgov_netns
short_description: run on the controller inside a network namespace
description:
  - Like the local connection, but every command runs under C(ip netns exec NAMESPACE).
author: ezgov-infra
options:
  netns:
    description: Name of the network namespace (as listed by C(ip netns list)).
    type: str
    required: true
    vars:
      - name: ezgov_netns
"""


class Connection(LocalConnection):
    transport = "ezgov_netns"

    def exec_command(self, cmd, in_data=None, sudoable=True):  # type: ignore[no-untyped-def]
        netns = self.get_option("netns")
        wrapped = f"ip netns exec {shlex.quote(netns)} /bin/sh -c {shlex.quote(cmd)}"
        return super().exec_command(wrapped, in_data=in_data, sudoable=sudoable)
