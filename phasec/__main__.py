from phasec.cli.entry import run

run()
