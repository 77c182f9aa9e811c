"""The fake GitLab's state, one module per resource; ``state.State`` combines them."""
