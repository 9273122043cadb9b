"""Name lists for synthetic patients, common in several countries: no one mistakes them."""

FEMALE_GIVEN = (
    "Alice Amelia Ana Anna Aoife Beatriz Carla Catherine Chloe Claire Daniela Deborah Elena "
    "Eleanor Emily Emma Eva Fatima Fiona Grace Hannah Helen Ines Isabel Jane Julia Karen Laura "
    "Leila Linda Lucy Maria Marta Mary Maya Mei Nadia Nicola Olivia Patricia Priya Rachel Rosa "
    "Ruth Sara Sarah Sofia Susan Teresa Yasmin Zainab"
).split()
MALE_GIVEN = (
    "Adam Ahmed Alan Andrew Anthony Arjun Ben Carlos Charles Chris Daniel David Diego Edward "
    "Farid George Hassan Henry Hugo Ian Jack James Javier John Jonathan Jorge Joseph Kenji Kevin "
    "Liam Luis Marco Mark Martin Matthew Michael Mohammed Nathan Oliver Omar Patrick Paul Peter "
    "Rahul Richard Robert Samuel Simon Stephen Thomas William"
).split()
FAMILY = (
    "Adams Ahmed Ali Allen Anderson Baker Bell Brown Campbell Carter Chen Clark Cooper Costa "
    "Davies Davis Edwards Evans Fernandez Fischer Garcia Green Hall Harris Hughes Jackson "
    "Johnson Jones Kaur Kelly Khan Kim King Lee Lewis Lopez Martin Martinez Miller Moore "
    "Morgan Murphy Nguyen O'Brien Patel Phillips Price Roberts Robinson Rossi Santos Scott "
    "Shah Silva Singh Smith Taylor Thomas Thompson Turner Walker Wang Ward White Williams "
    "Wilson Wood Wright Young Zhang"
).split()
