print("large")
