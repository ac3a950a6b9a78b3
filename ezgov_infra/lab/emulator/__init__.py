"""Emulators of the Huawei VRP and H3C Comware command line, for the virtual lab. They are not devices.

No Huawei or H3C image can run here, so a lab device of platform `huawei_vrp` or `hp_comware` gets, in its own
network namespace, an SSH server (`server`, paramiko's server side) that speaks the vendor's CLI (`cli`): the
prompts and views (`<HOST>`, `system-view`, `[HOST]`, `[HOST-GigabitEthernet0/0/1]`, `quit`, `return`, `save`),
a configuration kept in memory and saved to the lab state directory, the vendor's error text for an unknown
command, and `display` outputs in the layouts of real captured outputs (`render`). Four dialects: `vrp5` (S and
AR series, global `ipv6`), `vrp8` (CloudEngine, two-stage `commit`, IPv6 per interface), `comware5` (global
`ipv6`) and `comware7`.

Routing is not emulated: the namespace also runs FRR, as the lab's FRR routers do, and `routing` turns the
emulated configuration's IPv6 addresses, OSPFv3 and forwarding into FRR commands; `display ospfv3 peer` and
`display ipv6 routing-table` show what FRR has. So a playbook that configures the emulated device produces real
OSPFv3 adjacencies and real IPv6 routes with its FRR neighbours.

What the emulators do not model: the vendor's full command set (only the commands ezgov's playbooks and audits
use are known; anything else is rejected as unrecognized, even where a real device would accept it); `?` help,
command abbreviation and tab completion; dependency errors between commands (a real VRP refuses some IPv6
commands before `ipv6` or `ipv6 enable`; the emulator accepts them); hardware, line cards, licences, VLANs and
switching; ACL matching (ACLs are configuration only: nothing is filtered); SNMP (the namespace's net-snmp agent
answers, with Linux's MIB view, not the vendor's); AAA servers, NTP and syslog (lines only); the IPv4 control
plane (IPv4 OSPF comes from the lab's FRR configuration and is not changed through the emulated CLI); the exact
counters, timers and uptimes of `display` outputs. They prove drivers, playbooks and parsers end to end, not
the vendor's behaviour.
"""
