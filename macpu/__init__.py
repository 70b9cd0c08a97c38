"""macpu: case management and information sharing for Multi-Agency Child Protection Units."""
