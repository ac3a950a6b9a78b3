"""What a device of each platform prints, rendered from the inventory: the sample's offline snapshots.

The text follows each vendor's real output format closely enough that the parsers in `parsers/` read it as they
read a real device (it is exercised by the same parser tests). Used by `ezgov_infra.testing.snapshots.render_snapshots`.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv6Address, IPv6Interface

from ezgov_infra.models.inventory import Interface, InterfaceKind
from ezgov_infra.testing.views import View

NTP_V4, NTP_V6 = "198.51.100.1", "2001:DB8:0:3::123"
LOG_V4, LOG_V6 = "198.51.100.2", "2001:DB8:0:3::514"
AAA_V4, AAA_V6 = "198.51.100.3", "2001:DB8:0:3::49"
NOC_V4, NOC_V6 = "198.51.100.0 0.0.0.255", "2001:DB8:0:2::"


def up(a: IPv6Address | IPv6Interface | str) -> str:
    return str(a).upper()


def _wan_v4(view: View, interface: Interface) -> str:
    return f"{view.loopback_v4}/32" if interface.kind is InterfaceKind.loopback else "unassigned"


def vrp(view: View) -> dict[str, str]:
    d = view.device
    lines = ["!Software Version V300R019C10SPC300", "!Last configuration was saved at 2026-11-20 02:00:00+08:00",
             "#", f" sysname {d.id}", "#"]
    if view.ipv6:
        lines += [" ipv6", "#"]
    lines += [" info-center loghost source LoopBack0", f" info-center loghost {LOG_V4}"]
    if view.ipv6:
        lines.append(f" info-center loghost ipv6 {LOG_V6}")
    lines += ["#", "acl number 2000", f" rule 5 permit source {NOC_V4}", " rule 100 deny", "#"]
    if view.ipv6:
        lines += ["acl ipv6 number 2001", f" rule 5 permit source {NOC_V6} 64", " rule 100 deny", "#"]
    lines += ["aaa", " authentication-scheme default", "  authentication-mode hwtacacs local",
              " domain default", "  hwtacacs-server ezgov", "#", "hwtacacs-server template ezgov",
              f" hwtacacs-server authentication {AAA_V4}"]
    if view.ipv6:
        lines.append(f" hwtacacs-server authentication ipv6 {AAA_V6} secondary")
    lines.append("#")
    lines += _interface_sections(view, "MEth0/0/1", vrp=True)
    lines += ["ospf 1 router-id " + str(view.loopback_v4), " area 0.0.0.0", "  network 203.0.113.0 0.0.0.255", "#"]
    if view.ipv6:
        lines += ["ospfv3 1", f" router-id {view.loopback_v4}", " area 0.0.0.0", "#"]
    lines.append(f" ntp-service unicast-server {NTP_V4}")
    if view.ipv6:
        lines.append(f" ntp-service unicast-server ipv6 {NTP_V6}")
    lines += ["#", "snmp-agent"]
    if d.id in view.plant.snmp_v2c_only:
        lines += ["snmp-agent community read cipher %^%#********%^%# acl 2000", "snmp-agent sys-info version v2c"]
    else:
        lines += ["snmp-agent sys-info version v3", "snmp-agent group v3 ezgov-ro privacy acl 2000",
                  "snmp-agent usm-user v3 ezgov-ro group ezgov-ro"]
    if view.ipv6:
        lines.append("snmp-agent protocol source-status ipv6 all-interface")
    lines += ["#", "stelnet server enable" if view.ipv6 else "stelnet ipv4 server enable"]
    if d.id in view.plant.telnet:
        lines.append("telnet server enable")
    lines += ["ssh authentication-type default password", "#", "user-interface con 0",
              " authentication-mode aaa", "user-interface vty 0 4", " acl 2000 inbound"]
    if view.ipv6 and d.id not in view.plant.no_ipv6_acl:
        lines.append(" acl ipv6 2001 inbound")
    lines += [" authentication-mode aaa", " user privilege level 3",
              " protocol inbound all" if d.id in view.plant.telnet else " protocol inbound ssh", "#", "return"]
    v4 = ["*down: administratively down", "^down: standby", "(l): loopback", "(s): spoofing",
          "(E): E-Trunk down"]
    rows = [(i.name, _wan_v4(view, i), "up", "up(s)" if i.kind is InterfaceKind.loopback else "up")
            for i in view.interfaces]
    if d.mgmt_ipv4:
        rows.insert(0, ("MEth0/0/1", str(d.mgmt_ipv4), "up", "up"))
    rows.append(("NULL0", "unassigned", "up", "up(s)"))
    v4 += [f"The number of interface that is UP in Physical is {len(rows)}",
           "The number of interface that is DOWN in Physical is 0",
           f"The number of interface that is UP in Protocol is {len(rows)}",
           "The number of interface that is DOWN in Protocol is 0", "",
           f"{'Interface':<34}{'IP Address/Mask':<21}{'Physical':<11}Protocol  "]
    v4 += [f"{n:<34}{a:<21}{p:<11}{q}" for n, a, p, q in sorted(rows)]
    v6 = ["*down: administratively down", "(l): loopback", "(s): spoofing",
          f"{'Interface':<42}{'Physical':<20}Protocol"]
    v6_rows: list[tuple[str, list[str], str]] = []
    if d.mgmt_ipv6:
        v6_rows.append(("MEth0/0/1", [up(d.mgmt_ipv6.ip)], "up"))
    v6_rows += [(i.name, [up(a.ip) for a in view.addresses(i)] or ["Unassigned"],
                 "up(s)" if i.kind is InterfaceKind.loopback else "up") for i in view.interfaces if i.ipv6]
    for name, addresses, protocol in sorted(v6_rows):
        v6.append(f"{name:<42}{'up':<20}{protocol}")
        v6 += [f"[IPv6 Address] {a}" for a in addresses]
    routes = ["Routing Table : _public_", f"         Destinations : {len(view.routes)}        "
              f"Routes : {len(view.routes)}", ""]
    for prefix, protocol, interface in view.routes:
        network, length = prefix.split("/")
        routes += [f" Destination  : {up(network):<40}PrefixLength : {length}",
                   f" NextHop      : {'FE80::1' if protocol != 'Direct' else up(network):<40}Preference   : "
                   f"{10 if protocol != 'Direct' else 0}",
                   f" Cost         : {1 if protocol != 'Direct' else 0:<40}Protocol     : {protocol}",
                   f" RelayNextHop : {'::':<40}TunnelID     : 0x0",
                   f" Interface    : {interface:<40}Flags        : D", ""]
    peers = ["", "OSPFv3 Process (1)", "OSPFv3 Area (0.0.0.0)",
             f"{'Neighbor ID':<16}{'Pri':<5}{'State':<17}{'Dead Time':<12}{'Interface':<28}Instance ID"]
    peers += [f"{rid:<16}{1:<5}{state + '/ -':<17}{'00:00:34':<12}{_vrp_short(local):<28}0"
              for rid, local, state in view.neighbours]
    version = ["Huawei Versatile Routing Platform Software",
               "VRP (R) software, Version 5.170 (AR6100 V300R019C10SPC300)",
               "Copyright (C) 2011-2020 HUAWEI TECH CO., LTD",
               f"Huawei {d.model or 'AR6120'} Router uptime is 213 days, 4 hours, 12 minutes"]
    return {"version": "\n".join(version) + "\n", "interfaces_v4": "\n".join(v4) + "\n",
            "interfaces_v6": "\n".join(v6) + "\n", "ipv6_routes": "\n".join(routes) + "\n" if view.ipv6 else
            "Routing Table : _public_\n         Destinations : 0        Routes : 0\n",
            "ospf6_neighbours": "\n".join(peers) + "\n" if view.ipv6 else "",
            "config": "\n".join(lines) + "\n"}


def _interface_sections(view: View, management: str, *, vrp: bool) -> list[str]:
    """The interface sections of a VRP or Comware configuration (one lineage, one syntax): VRP turns IPv6 on per
    interface (`ipv6 enable`) and sets OSPF's network type on links; Comware routes a port after `port link-mode
    route`. The management port (`management`) comes first, described on VRP."""
    d = view.device
    lines: list[str] = []
    if d.mgmt_ipv4 or d.mgmt_ipv6:
        lines += [f"interface {management}"] + ([" description out-of-band management"] if vrp else [])
        lines += [" ipv6 enable"] if vrp and d.mgmt_ipv6 else []
        lines += [f" ip address {d.mgmt_ipv4.ip} {d.mgmt_ipv4.netmask}"] if d.mgmt_ipv4 else []
        lines += [f" ipv6 address {up(d.mgmt_ipv6)}", "#"] if d.mgmt_ipv6 else ["#"]
    for i in view.interfaces:
        loopback = i.kind is InterfaceKind.loopback
        lines.append(f"interface {i.name}")
        lines += [f" description {i.description}"] if i.description else []
        lines += [" ipv6 enable"] if vrp and i.ipv6 else []
        if loopback:
            lines.append(f" ip address {view.loopback_v4} 255.255.255.255")
        else:
            lines += ([] if vrp else [" port link-mode route"]) + [" ip address unnumbered interface LoopBack0"]
        lines += [f" ipv6 address {up(a)}" for a in view.addresses(i)]
        lines += [" ospfv3 1 area 0.0.0.0"] if i.ipv6 else []
        lines += [" ospf network-type p2p", "#"] if vrp and not loopback else ["#"]
    return lines


def _vrp_short(name: str) -> str:
    return name.replace("GigabitEthernet", "GE")


def _comware_short(name: str) -> str:
    return (name.replace("Ten-GigabitEthernet", "XGE").replace("GigabitEthernet", "GE")
            .replace("LoopBack", "Loop").replace("M-GE", "MGE"))


def comware(view: View) -> dict[str, str]:
    d = view.device
    lines = [" version 7.1.064, Release 0821P16", "#", f" sysname {d.id}", "#", " telnet server enable"
             if d.id in view.plant.telnet else " undo telnet server enable", "#", "ospf 1 router-id "
             + str(view.loopback_v4), " area 0.0.0.0", "  network 203.0.113.0 0.0.0.255", "#"]
    if view.ipv6:
        lines += ["ospfv3 1", f" router-id {view.loopback_v4}", " area 0.0.0.0", "#"]
    lines += _interface_sections(view, "M-GigabitEthernet0/0/0", vrp=False)
    lines += [" line vty 0 63", "  authentication-mode scheme",
              "  protocol inbound all" if d.id in view.plant.telnet else "  protocol inbound ssh", "#"]
    lines += [" info-center loghost " + LOG_V4] + ([" info-center loghost ipv6 " + LOG_V6] if view.ipv6 else [])
    lines += ["#", " ssh server enable", " ssh server acl 2000"]
    if view.ipv6 and d.id not in view.plant.no_ipv6_acl:
        lines.append(" ssh server ipv6 acl ipv6 2001")
    lines += ["#", " ntp-service enable", f" ntp-service unicast-server {NTP_V4}"]
    if view.ipv6:
        lines.append(f" ntp-service unicast-server ipv6 {NTP_V6}")
    lines += ["#", "acl basic 2000", f" rule 5 permit source {NOC_V4}", "#"]
    if view.ipv6:
        lines += ["acl ipv6 basic 2001", f" rule 5 permit source {NOC_V6} 64", "#"]
    lines += ["hwtacacs scheme ezgov", f" primary authentication {AAA_V4}"]
    if view.ipv6:
        lines.append(f" secondary authentication ipv6 {AAA_V6}")
    lines += ["#", " snmp-agent", " snmp-agent local-engineid 800063A280" + "0" * 14]
    if d.id in view.plant.snmp_v2c_only:
        lines += [" snmp-agent community read cipher $c$3$********", " snmp-agent sys-info version v2c"]
    else:
        lines += [" snmp-agent group v3 ezgov-ro privacy", " snmp-agent sys-info version v3",
                  " snmp-agent usm-user v3 ezgov-ro ezgov-ro simple authentication-mode sha ****** privacy-mode"
                  " aes128 ******"]
    lines += ["#", "return"]
    header = ["*down: administratively down", "(s): spoofing  (l): loopback"]
    v4 = [*header, f"{'Interface':<25}{'Physical':<9}{'Protocol':<9}{'IP Address':<16}Description"]
    v6 = ["*down: administratively down", "(s): spoofing",
          f"{'Interface':<41}{'Physical':<9}{'Protocol':<9}IPv6 Address"]
    rows = []
    if d.mgmt_ipv4 or d.mgmt_ipv6:
        rows.append(("MGE0/0/0", str(d.mgmt_ipv4.ip) if d.mgmt_ipv4 else "--", "up",
                     [up(d.mgmt_ipv6.ip)] if d.mgmt_ipv6 else []))
    for i in view.interfaces:
        v4_address = str(view.loopback_v4) if i.kind is InterfaceKind.loopback else "--"
        rows.append((_comware_short(i.name), v4_address, "up(s)" if i.kind is InterfaceKind.loopback else "up",
                     [up(a.ip) for a in view.addresses(i)]))
    for name, address, protocol, addresses in sorted(rows):
        v4.append(f"{name:<25}{'up':<9}{protocol:<9}{address:<16}--")
        for a in addresses or (["Unassigned"] if view.ipv6 else []):
            v6.append(f"{name:<41}{'up':<9}{protocol:<9}{a}")
    routes = [f"Destinations : {len(view.routes)}        Routes : {len(view.routes)}", ""]
    for prefix, protocol, interface in view.routes:
        network, length = prefix.split("/")
        routes += [f"Destination: {up(network) + '/' + length:<41}Protocol  : "
                   f"{'O_ASE2' if protocol != 'Direct' else 'Direct'}",
                   f"NextHop    : {'FE80::1' if protocol != 'Direct' else '::1':<41}Preference: "
                   f"{150 if protocol != 'Direct' else 0}",
                   f"Interface  : {_comware_short(interface):<41}Cost      : {1 if protocol != 'Direct' else 0}",
                   ""]
    peers = ["", f"         OSPFv3 Process 1 with Router ID {view.loopback_v4}", "",
             "                         Area: 0.0.0.0", " " + "-" * 73,
             " Router ID       Pri State             Dead-Time InstID Interface"]
    peers += [f" {rid:<16}{1:<4}{state + '/DR':<18}{'00:00:36':<10}{0:<7}{_comware_short(local)}"
              for rid, local, state in view.neighbours]
    version = ["H3C Comware Software, Version 7.1.064, Release 0821P16",
               "Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.",
               f"H3C {d.model or 'MSR3620'} uptime is 0 weeks, 5 days, 3 hours, 20 minutes"]
    return {"version": "\n".join(version) + "\n", "interfaces_v4": "\n".join(v4) + "\n",
            "interfaces_v6": "\n".join(v6) + "\n", "ipv6_routes": "\n".join(routes) + "\n",
            "ospf6_neighbours": "\n".join(peers) + "\n" if view.ipv6 else "", "config": "\n".join(lines) + "\n"}


def ios(view: View) -> dict[str, str]:
    d = view.device
    lines = ["Building configuration...", "", "Current configuration : 4211 bytes", "!",
             "version 15.5", "service timestamps log datetime msec", "service password-encryption", "!",
             f"hostname {d.id}", "!", "aaa new-model", "aaa authentication login default group tacacs+ local", "!"]
    if view.ipv6 and d.id not in view.plant.forwarding_off:
        lines += ["ipv6 unicast-routing", "ipv6 cef", "!"]
    lines += ["ip ssh version 2", "!"]
    mgmt = "Vlan99"
    for name, description, addr4, addr6 in ([(mgmt, "out-of-band management", d.mgmt_ipv4,
                                        [d.mgmt_ipv6] if d.mgmt_ipv6 else [])] if d.mgmt_ipv4 else []) + \
            [(i.name, i.description, None, view.addresses(i)) for i in view.interfaces]:
        lines.append(f"interface {name}")
        if description:
            lines.append(f" description {description}")
        if addr4 is not None:
            lines.append(f" ip address {addr4.ip} {addr4.netmask}")
        elif name.startswith("Loopback"):
            lines.append(f" ip address {view.loopback_v4} 255.255.255.255")
        else:
            lines.append(" ip unnumbered Loopback0")
        lines += [f" ipv6 address {up(a)}" for a in addr6]
        if addr6 and name != mgmt and d.id not in view.plant.forwarding_off:
            lines.append(" ipv6 ospf 1 area 0")
        lines.append("!")
    lines += ["router ospf 1", f" router-id {view.loopback_v4}", " network 203.0.113.0 0.0.0.255 area 0", "!"]
    if view.ipv6 and d.id not in view.plant.forwarding_off:
        lines += ["ipv6 router ospf 1", f" router-id {view.loopback_v4}", "!"]
    lines += ["ip access-list standard MGMT", f" permit {NOC_V4}", "!"]
    if view.ipv6:
        lines += ["ipv6 access-list MGMT-V6", f" permit ipv6 {NOC_V6}/64 any", "!"]
    lines += [f"logging host {LOG_V4}"] + ([f"logging host ipv6 {LOG_V6}"] if view.ipv6 else [])
    if d.id in view.plant.snmp_v2c_only:
        lines.append("snmp-server community ******** RO MGMT")
    else:
        lines.append("snmp-server group EZGOV-RO v3 priv access MGMT")
    lines += ["!", "tacacs server EZGOV", f" address ipv4 {AAA_V4}"]
    if view.ipv6:
        lines.append(f" address ipv6 {AAA_V6}")
    lines += [" key 7 ********", "!", "line vty 0 4", " access-class MGMT in"]
    if view.ipv6:
        lines.append(" ipv6 access-class MGMT-V6 in")
    lines += [" transport input ssh telnet" if d.id in view.plant.telnet else " transport input ssh", "!",
              f"ntp server {NTP_V4}"] + ([f"ntp server {NTP_V6}"] if view.ipv6 else []) + ["!", "end"]
    v4 = [f"{'Interface':<27}{'IP-Address':<16}OK? Method Status                Protocol"]
    v6: list[str] = []
    rows = ([(mgmt, str(d.mgmt_ipv4.ip), [up(d.mgmt_ipv6.ip)] if d.mgmt_ipv6 else [])] if d.mgmt_ipv4 else [])
    rows += [(i.name, str(view.loopback_v4), [up(a.ip) for a in view.addresses(i)]) for i in view.interfaces]
    for name, address, addresses in rows:
        v4.append(f"{name:<27}{address:<16}YES NVRAM  up                    up      ")
        v6.append(f"{name:<23}[up/up]")
        if addresses:
            v6.append("    FE80::C801:1")
            v6 += [f"    {a}" for a in addresses]
        else:
            v6.append("    unassigned")
    routes = [f"IPv6 Routing Table - default - {len(view.routes)} entries",
              "Codes: C - Connected, L - Local, S - Static, U - Per-user Static route",
              "       B - BGP, R - RIP, H - NHRP, I1 - ISIS L1",
              "       I2 - ISIS L2, IA - ISIS interarea, IS - ISIS summary, D - EIGRP",
              "       EX - EIGRP external, ND - ND Default, NDp - ND Prefix, DCE - Destination",
              "       NDr - Redirect, O - OSPF Intra, OI - OSPF Inter, OE1 - OSPF ext 1",
              "       OE2 - OSPF ext 2, ON1 - OSPF NSSA ext 1, ON2 - OSPF NSSA ext 2", ""]
    for prefix, protocol, interface in view.routes:
        if protocol == "Direct":
            routes += [f"C   {up(prefix)} [0/0]", f"     via {interface}, directly connected"]
        else:
            routes += [f"OE2 {up(prefix)} [110/1], tag 1", f"     via FE80::1, {interface}"]
    peers = ["", f"            OSPFv3 Router with ID ({view.loopback_v4}) (Process ID 1)", "",
             "Neighbor ID     Pri   State           Dead Time   Interface ID    Interface"]
    peers += [f"{rid:<16}{0:>3}   {state.upper() + '/  -':<16}00:00:38    {4:<16}{local}"
              for rid, local, state in view.neighbours]
    version = ["Cisco IOS Software, ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), Version 15.5(3)S5, RELEASE "
               "SOFTWARE (fc2)", "Technical Support: http://www.cisco.com/techsupport",
               "Copyright (c) 1986-2017 by Cisco Systems, Inc.", "Compiled Thu 19-Jan-17 11:24 by mcpre", "",
               "ROM: IOS-XE ROMMON", "", f"{d.id} uptime is 1 year, 12 weeks, 3 days, 2 hours, 41 minutes",
               "System returned to ROM by reload", 'System image file is "bootflash:isr4300-universalk9.bin"', "",
               f"cisco {d.model or 'ISR4331/K9'} (1RU) processor with 1795999K/6147K bytes of memory.",
               "Processor board ID FDO21520XYZ", "3 Gigabit Ethernet interfaces",
               "Configuration register is 0x2102"]
    no_ipv6_routing = "% IPv6 routing not enabled\n"
    forwarding = view.ipv6 and d.id not in view.plant.forwarding_off
    return {"version": "\n".join(version) + "\n", "interfaces_v4": "\n".join(v4) + "\n",
            "interfaces_v6": "\n".join(v6) + "\n",
            "ipv6_routes": "\n".join(routes) + "\n" if forwarding else "IPv6 Routing Table - default - 0 entries\n",
            "ospf6_neighbours": "\n".join(peers) + "\n" if forwarding else no_ipv6_routing,
            "config": "\n".join(lines) + "\n"}


RENDERERS: dict[str, Callable[[View], dict[str, str]]] = {"huawei_vrp": vrp, "hp_comware": comware, "cisco_ios": ios}
