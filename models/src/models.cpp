// Translation unit anchoring the gan_models archive (the other sources are globbed).
