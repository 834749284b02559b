from xiaodian.cli import main

main()
