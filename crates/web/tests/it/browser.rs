// placeholder: the browser test is being written
