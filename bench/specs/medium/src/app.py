import localonly
print("medium")
