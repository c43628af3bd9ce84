import numpy
import pandas
import sklearn
import torch

print("ml", torch.__version__, numpy.__version__, pandas.__version__, sklearn.__version__)
