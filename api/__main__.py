from autodiff.cli.app import console_script

console_script()
