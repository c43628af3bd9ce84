import packaging

print("ml", packaging.__version__)
