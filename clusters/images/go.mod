// Small programs baked into our images. Standard library only, so they build offline.
module kpc.local/images

go 1.24
