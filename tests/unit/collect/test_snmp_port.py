"""Where an SNMP agent listens: the device's own port, else its profile's, else 161."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from ezgov_infra.models.inventory import Device, SnmpProfile


def device(**extra: object) -> Device:
    return Device.model_validate({"id": "sw-1", "site": "s", "role": "access", "platform": "huawei_vrp",
                                  "credential_profile": "lab", **extra})


class TestSnmpPort:
    def test_the_device_port_wins_over_the_profile_port(self) -> None:
        profile = SnmpProfile.model_validate({"id": "p", "version": "2c", "source": "lab", "port": 1161})
        assert profile.port_for(device(snmp_port=16100)) == 16100
        assert profile.port_for(device()) == 1161

    def test_without_either_the_port_is_161(self) -> None:
        profile = SnmpProfile.model_validate({"id": "p", "version": "2c", "source": "lab"})
        assert profile.port_for(device()) == 161

    @pytest.mark.parametrize("port", [0, 65536, -1])
    def test_a_port_outside_1_to_65535_is_refused(self, port: int) -> None:
        with pytest.raises(ValidationError, match="snmp_port"):
            device(snmp_port=port)
