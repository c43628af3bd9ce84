import acme_cli
print("small")
