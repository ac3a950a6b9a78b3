from ezgov_infra.cli.main import run

run()
