"""The virtual router lab: FRR, sshd and snmpd per router, each router in network namespaces of its own.

Modules: `topology` (routers and links from the inventory, or a chain for benches), `render` (configuration
text), `network` (guard routes, bridge, namespaces, veths, tc), `ns` (setns, the safety guard, processes),
`daemons` (per-router daemon lifecycle), `secrets` (generated credentials, `known_hosts`), `state` (state file and
locks), `lab` (the `Lab` API), `validate` (+ `checks.yaml`), `probe` (SSH/SNMP probes), `farm` (snmpd-only agents).

Locking design
--------------
The lab is a machine-wide, exclusive resource: only one set of lab namespaces and bridges may exist at a time.

* The machine lock is an exclusive `flock` on `/run/lock/ezgov-lab.lock`. `up` waits for it (never breaks it),
  then starts a *keeper*, a `sleep` process that inherits the locked descriptor, and records it in the state
  file. A flock belongs to the open file description, so the lock stays held for exactly as long as the keeper
  lives, that is for as long as the lab exists, even after the `ezgov lab up` process has exited.
* `down` stops every lab process, removes namespaces and bridges, and kills the keeper last: the lock is
  released only when nothing of the lab remains. Another waiting `up` (or test session) then proceeds.
* `up` and `down` on one state directory serialize on a second lock, `<state_dir>/lab/.lab.lock`, so two
  `up`s never interleave. A second `up` finds its own keeper alive, keeps the machine lock it already holds, and
  repairs whatever is missing (idempotent).
* Readers (`status`, `exec`, `validate`, the collectors) take no lock: they read `state.json` (written
  atomically) and talk to the routers. So a running lab never blocks them.
* The pytest session fixture calls `up` with a temporary state directory: if another lab holds the machine lock
  (a colleague's test session or demo), it waits for it; it always calls `down` at the end, also on failure.
* The SNMP farm joins a running lab's state (and lock) or, alone, takes the lock through its own keeper.

Safety
------
Lab addresses come only from 2001:db8::/32, 198.51.100.0/24 and 203.0.113.0/24, and `up` first installs
`unreachable` host routes (metric 4000) for those three prefixes, which `down` leaves in place. Each daemon is
started by a forked child that joins the router's namespaces and verifies, before `exec`, that its network and UTS
namespaces are the router's and differ from the host's. Nothing is written to the host's `/etc/frr`,
`/var/run/frr` or `/var/lib/snmp`: each router's mount namespace binds its own folders over them.
"""
