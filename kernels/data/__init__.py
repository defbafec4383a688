"""Data loaders behind the kernels, not kernels themselves: MovieLens-100k (``movielens``, for hard
SVT), 5,000 MNIST digits (``mnist``, for the CNN step and FGSM) and the Mondrian-like test image
(``mondrian``, for soft SVT). They live in this subpackage so that ``kernels/`` itself holds only
kernels and their core (the registry discovers every module of ``kernels`` that defines ``KERNEL``);
nothing is imported here, so ``import kernels.data`` is free and a loader is loaded only when a
kernel asks for it (``from kernels.data import movielens``).
"""
