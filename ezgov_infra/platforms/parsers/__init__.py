"""Raw CLI text -> `DeviceFacts`, one module per platform (`parse(device, platform, outputs)`).

`outputs` maps the profile's command keys (`config`, `interfaces_v6`, ...) to what the device printed. A key
that is absent leaves its facts unknown (None); text the parser does not recognise raises `ParseError`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module

from ezgov_infra.errors import UnsupportedError
from ezgov_infra.models.facts import DeviceFacts, Source

Parser = Callable[[str, Mapping[str, str], Source], DeviceFacts]

PARSERS = {"frr": "frr", "cisco_ios": "cisco_ios", "huawei_vrp": "huawei_vrp", "hp_comware": "hp_comware"}


def parse(device: str, platform: str, outputs: Mapping[str, str], source: Source) -> DeviceFacts:
    """Facts of `device` from its command outputs, with the parser of its platform."""
    module = PARSERS.get(platform)
    if module is None:
        raise UnsupportedError(f"{device}: no parser for platform {platform!r}")
    parser: Parser = import_module(f"ezgov_infra.platforms.parsers.{module}").parse
    return parser(device, outputs, source)
