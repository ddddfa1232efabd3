from skyfn.cli import main

main()
