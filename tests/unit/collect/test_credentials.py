"""Credential profiles resolve to secrets from env, an ansible-vault file or the lab, and never show them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ezgov_infra.collect.credentials import credentials_for, snmp_credentials, ssh_credentials
from ezgov_infra.errors import AuthError, InputError
from ezgov_infra.models.inventory import CredentialProfile, SnmpProfile


class TestEnvironment:
    def test_variables_named_by_the_profile(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("U1", "netops")
        monkeypatch.setenv("P1", "s3cret-env")
        profile = CredentialProfile(id="x", source="env", username_env="U1", password_env="P1")
        credentials = ssh_credentials(profile, state_dir=tmp_path)
        assert (credentials.username, credentials.password) == ("netops", "s3cret-env")
        assert "s3cret-env" not in repr(credentials) and "s3cret-env" not in str(credentials)

    def test_an_unset_variable_is_an_auth_failure_naming_it(self, tmp_path: Path) -> None:
        profile = CredentialProfile(id="x", source="env", username="u", password_env="EZGOV_UNSET_VARIABLE")
        with pytest.raises(AuthError, match="EZGOV_UNSET_VARIABLE"):
            ssh_credentials(profile, state_dir=tmp_path)


    def test_a_v3_key_shorter_than_usm_allows_is_an_auth_error_not_a_parse_error(
            self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        monkeypatch.setenv("A1", "k3y!x")
        monkeypatch.setenv("V1", "long-enough-priv")
        profile = SnmpProfile(id="v3", version="3", source="env", user="ro", auth_protocol="SHA",
                              priv_protocol="AES", auth_key_env="A1", priv_key_env="V1")
        with pytest.raises(AuthError, match=r"auth_key .* shorter than 8 characters") as caught:
            snmp_credentials(profile, state_dir=tmp_path)
        assert caught.value.category == "auth" and "k3y!x" not in str(caught.value)


class TestVault:
    def test_an_ansible_vault_file_is_decrypted_with_the_password_file(
            self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        from ansible.parsing.vault import VaultLib, VaultSecret

        (tmp_path / "vault-pass").write_text("correct horse\n")
        document = "extranet:\n  username: netops\n  password: vault-s3cret\nsnmp-v3:\n  auth_key: ak-123456789\n" \
                   "  priv_key: pk-123456789\n"
        encrypted = VaultLib([("default", VaultSecret(b"correct horse"))]).encrypt(document)
        (tmp_path / "secrets.vault").write_bytes(encrypted)
        monkeypatch.setenv("EZGOV_VAULT_PASSWORD_FILE", str(tmp_path / "vault-pass"))
        ssh = ssh_credentials(CredentialProfile(id="extranet", source="vault", vault_file="secrets.vault"),
                              state_dir=tmp_path, inventory=tmp_path)
        assert (ssh.username, ssh.password) == ("netops", "vault-s3cret")
        snmp = snmp_credentials(SnmpProfile(id="snmp-v3", version="3", source="vault", user="ro", auth_protocol="SHA",
                                            priv_protocol="AES", vault_file="secrets.vault"),
                                state_dir=tmp_path, inventory=tmp_path)
        assert (snmp.auth_key, snmp.priv_key) == ("ak-123456789", "pk-123456789")

    def test_a_wrong_vault_password_is_an_auth_failure(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        from ansible.parsing.vault import VaultLib, VaultSecret

        (tmp_path / "v").write_bytes(VaultLib([("default", VaultSecret(b"right"))]).encrypt("x: {password: y}\n"))
        (tmp_path / "pass").write_text("wrong")
        monkeypatch.setenv("EZGOV_VAULT_PASSWORD_FILE", str(tmp_path / "pass"))
        with pytest.raises(AuthError, match="cannot open vault"):
            ssh_credentials(CredentialProfile(id="x", source="vault", vault_file=str(tmp_path / "v")),
                            state_dir=tmp_path)


    def test_a_v3_profile_whose_keys_the_vault_lacks_is_an_error_never_no_auth(
            self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        from ansible.parsing.vault import VaultLib, VaultSecret

        (tmp_path / "pass").write_text("pw")
        (tmp_path / "v").write_bytes(VaultLib([("default", VaultSecret(b"pw"))]).encrypt("snmp-v3: {user: ro}\n"))
        monkeypatch.setenv("EZGOV_VAULT_PASSWORD_FILE", str(tmp_path / "pass"))
        profile = SnmpProfile(id="snmp-v3", version="3", source="vault", user="ro", auth_protocol="SHA",
                              priv_protocol="AES", vault_file=str(tmp_path / "v"))
        with pytest.raises(AuthError, match=r"'snmp-v3': auth_key \(for SHA\), priv_key \(for AES\) not found"):
            snmp_credentials(profile, state_dir=tmp_path)

    def test_a_privacy_key_without_an_authentication_key_is_an_error(
            self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        from ansible.parsing.vault import VaultLib, VaultSecret

        (tmp_path / "pass").write_text("pw")
        (tmp_path / "v").write_bytes(VaultLib([("default", VaultSecret(b"pw"))]).encrypt(
            "snmp-v3: {priv_key: pk-123456789}\n"))
        monkeypatch.setenv("EZGOV_VAULT_PASSWORD_FILE", str(tmp_path / "pass"))
        profile = SnmpProfile(id="snmp-v3", version="3", source="vault", user="ro", priv_protocol="AES",
                              vault_file=str(tmp_path / "v"))
        with pytest.raises(AuthError, match="privacy needs authentication") as raised:
            snmp_credentials(profile, state_dir=tmp_path)
        assert "pk-123456789" not in str(raised.value)


class TestLab:
    def test_the_lab_secrets_file_gives_ssh_and_both_snmp_versions(self, tmp_path: Path) -> None:
        (tmp_path / "lab").mkdir()
        (tmp_path / "lab" / "secrets.json").write_text(json.dumps({
            "ssh": {"username": "ezgov", "password": "lab-pw", "key_file": "/k"}, "known_hosts": "/kh",
            "snmp": {"community": "lab-comm", "v3": {"user": "ezgov", "auth_protocol": "SHA",
                                                     "auth_key": "lab-auth-key", "priv_protocol": "AES",
                                                     "priv_key": "lab-priv-key"}}}))
        ssh = ssh_credentials(CredentialProfile(id="lab", source="lab"), state_dir=tmp_path)
        assert (ssh.username, ssh.password, ssh.key_file, ssh.known_hosts) == ("ezgov", "lab-pw", "/k", "/kh")
        v2c = snmp_credentials(SnmpProfile(id="l2", version="2c", source="lab"), state_dir=tmp_path)
        v3 = snmp_credentials(SnmpProfile(id="l3", version="3", source="lab"), state_dir=tmp_path)
        assert v2c.community == "lab-comm"
        assert (v3.user, v3.auth_key, v3.priv_key) == ("ezgov", "lab-auth-key", "lab-priv-key")
        assert all(secret not in repr(v3) + repr(v2c) for secret in ("lab-comm", "lab-auth-key", "lab-priv-key"))

    def test_lab_secrets_without_the_v3_keys_the_profile_declares_are_an_error(self, tmp_path: Path) -> None:
        (tmp_path / "lab").mkdir()
        (tmp_path / "lab" / "secrets.json").write_text(json.dumps({
            "snmp": {"community": "c", "v3": {"user": "ezgov", "auth_protocol": "SHA", "auth_key": "lab-auth-key"}}}))
        profile = SnmpProfile(id="l3", version="3", source="lab", auth_protocol="SHA", priv_protocol="AES")
        with pytest.raises(AuthError, match=r"'l3': priv_key \(for AES\) not found in the lab's secrets"):
            snmp_credentials(profile, state_dir=tmp_path)

    def test_no_lab_is_an_auth_failure_with_a_hint(self, tmp_path: Path) -> None:
        with pytest.raises(AuthError, match="ezgov lab up"):
            ssh_credentials(CredentialProfile(id="lab", source="lab"), state_dir=tmp_path)


class TestCredentialsFor:
    """The one lookup from a device to its secrets: its own profile, or the one named instead."""

    @staticmethod
    def lab_secrets(state_dir: Path) -> None:
        (state_dir / "lab").mkdir()
        (state_dir / "lab" / "secrets.json").write_text(json.dumps({
            "ssh": {"username": "ezgov", "password": "lab-pw"}, "known_hosts": "/kh",
            "snmp": {"community": "lab-comm",
                     "v3": {"user": "ezgov", "auth_key": "lab-auth-key", "priv_key": "lab-priv-key"}}}))

    def test_a_lab_device_gets_the_secrets_of_its_own_profiles(self, sample_inventory: Path, tmp_path: Path) -> None:
        from ezgov_infra.store.inventory import load_inventory

        self.lab_secrets(tmp_path)
        inventory = load_inventory(sample_inventory)
        device = next(d for d in inventory.devices.values() if d.credential_profile == "lab" and d.snmp_profile)
        ssh = credentials_for(device, inventory, "ssh", state_dir=tmp_path, folder=sample_inventory)
        snmp = credentials_for(device, inventory, "snmp", state_dir=tmp_path, folder=sample_inventory)
        assert (ssh.username, ssh.password, ssh.known_hosts) == ("ezgov", "lab-pw", "/kh")
        assert "lab-comm" in snmp.secrets() or "lab-auth-key" in snmp.secrets()

    def test_a_profile_named_instead_that_does_not_exist_names_device_and_profile(
            self, sample_inventory: Path, tmp_path: Path) -> None:
        from ezgov_infra.store.inventory import load_inventory

        inventory = load_inventory(sample_inventory)
        device = next(iter(inventory.devices.values()))
        with pytest.raises(InputError, match=f"{device.id}: unknown credential profile 'nowhere'"):
            credentials_for(device, inventory, "ssh", state_dir=tmp_path, profile="nowhere")
        with pytest.raises(InputError, match=rf"{device.id}: no SNMP profile \(or unknown profile 'nowhere'\)"):
            credentials_for(device, inventory, "snmp", state_dir=tmp_path, profile="nowhere")

    def test_the_known_hosts_given_replace_the_profiles(self, sample_inventory: Path, tmp_path: Path) -> None:
        from ezgov_infra.store.inventory import load_inventory

        self.lab_secrets(tmp_path)
        inventory = load_inventory(sample_inventory)
        device = next(d for d in inventory.devices.values() if d.credential_profile == "lab")
        ssh = credentials_for(device, inventory, "ssh", state_dir=tmp_path, known_hosts="/other")
        assert ssh.known_hosts == "/other"
