from tradecore.cli import main

main()
