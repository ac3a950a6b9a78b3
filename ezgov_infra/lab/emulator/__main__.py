"""`python -m ezgov_infra.lab.emulator DEVICE_FOLDER`: serve one emulated device over SSH until killed.

The folder holds `device.json` (written by the lab); the saved configuration and the routing plane's state are
kept beside it. Options say where the host key, the lab's secrets and its authorized keys are, and whether FRR
runs beside the emulator (`--routing frr`, in the lab) or not (`--routing none`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ezgov_infra.lab.emulator import server
from ezgov_infra.lab.emulator.cli import Device
from ezgov_infra.lab.emulator.device import DeviceSpec
from ezgov_infra.lab.emulator.routing import FrrPlane, RoutingPlane, plane_state


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ezgov_infra.lab.emulator")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--address", default="::")
    parser.add_argument("--port", type=int, default=22)
    parser.add_argument("--host-key", type=Path, required=True)
    parser.add_argument("--secrets", type=Path, required=True)
    parser.add_argument("--authorized-keys", type=Path)
    parser.add_argument("--routing", choices=("frr", "none"), default="frr")
    args = parser.parse_args(argv)


    spec = DeviceSpec.load(args.folder / "device.json")
    plane: RoutingPlane | None = None
    if args.routing == "frr":
        baseline = plane_state(Device(spec).running, spec)  # what the lab's frr.conf gave the namespace
        plane = FrrPlane(spec, args.folder / "routing-state.json", baseline)
    device = Device(spec, args.folder, plane)
    ssh = json.loads(args.secrets.read_text(encoding="utf-8"))["ssh"]
    sock = server.listen(args.address, args.port)
    print(f"{spec.hostname}: emulated {spec.dialect} CLI listening on [{args.address}]:{args.port}", flush=True)
    server.serve(sock, device, key=server.host_key(args.host_key), username=ssh["username"],
                 password=ssh.get("password"), authorized=server.load_keys(args.authorized_keys))


if __name__ == "__main__":
    main()
