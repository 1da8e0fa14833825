from phasec.cli.main import run

run()
