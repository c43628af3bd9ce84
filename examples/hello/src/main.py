import os

import acme_cli

print(f"{os.environ['GREETING']} (acme-cli {acme_cli.__version__})")
