from autodiff.cli.app import main

main()
