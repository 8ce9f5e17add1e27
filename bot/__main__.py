from bot.cli.core import main

main()
